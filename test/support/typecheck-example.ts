/** Type-checks an example app with its own tsconfig: the diagnostics, one line each (none when it type-checks). */
import * as path from 'node:path';
import * as ts from 'typescript';

/** `example`: its directory under examples/; `expectedFile`: a file its tsconfig must include (so the check is not empty). */
export function exampleDiagnostics(example: string, expectedFile: string): string[] {
  const configFile = path.join(__dirname, '..', '..', 'examples', example, 'tsconfig.json');
  const { config, error } = ts.readConfigFile(configFile, ts.sys.readFile);
  if (error) return [ts.flattenDiagnosticMessageText(error.messageText, '\n')];
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, path.dirname(configFile));
  if (!parsed.fileNames.some((f) => f.endsWith(expectedFile))) return [`${configFile} does not include ${expectedFile}`];
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}
