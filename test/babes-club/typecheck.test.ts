/** The example is TypeScript users copy: it must type-check against the package's types (typed events included). */
import * as path from 'node:path';
import * as ts from 'typescript';

test('examples/babes-club type-checks with its own tsconfig', () => {
  const configFile = path.join(__dirname, '..', '..', 'examples', 'babes-club', 'tsconfig.json');
  const { config, error } = ts.readConfigFile(configFile, ts.sys.readFile);
  expect(error).toBeUndefined();
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, path.dirname(configFile));
  expect(parsed.fileNames.some((f) => f.endsWith('handlers/checkout.ts'))).toBe(true);
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  expect(diagnostics).toEqual([]);
});
