/** The example is TypeScript users copy: it must type-check against the package's types (typed events included). */
import { exampleDiagnostics } from '../support/typecheck-example';

test('examples/babes-club type-checks with its own tsconfig', () => {
  expect(exampleDiagnostics('babes-club', 'handlers/checkout.ts')).toEqual([]);
});
