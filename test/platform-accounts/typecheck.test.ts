/** The example is TypeScript users copy: it must type-check against the package's types (thin typed events included). */
import { exampleDiagnostics } from '../support/typecheck-example';

test('examples/platform-accounts type-checks with its own tsconfig', () => {
  expect(exampleDiagnostics('platform-accounts', 'handlers/requirements.ts')).toEqual([]);
});
