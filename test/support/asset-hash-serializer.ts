/**
 * Masks asset hashes in snapshots: they change with every byte of the bundled wrapper or of a test's
 * handler code, which says nothing about the template's shape.
 */
const HASH = /[a-f0-9]{64}/g;

function containsHash(value: unknown): value is string {
  return typeof value === 'string' && /[a-f0-9]{64}/.test(value);
}

const serializer = {
  test: (value: unknown) => containsHash(value),
  serialize: (value: string) => JSON.stringify(value.replace(HASH, 'ASSET-HASH')),
};

export = serializer;
