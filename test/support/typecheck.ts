/**
 * Type-checks TypeScript the way a user's compiler does, sharing parsed declaration files between programs.
 *
 * Most of a program's time here is parsing aws-cdk-lib's, stripe's and the sources' files; every program of one test
 * file parses them once (TypeScript's language service shares parsed files between programs the same way, through its
 * DocumentRegistry). A parsed file depends on the language version and on whether it is read as an ES or a CommonJS
 * module, so that is part of the key.
 */
import * as path from 'node:path';
import * as ts from 'typescript';

const parsed = new Map<string, ts.SourceFile | undefined>();

/**
 * A compiler host for `options` that serves `files` (name to text) from memory and every other file from disk,
 * parsed once per process.
 */
export function sharedCompilerHost(options: ts.CompilerOptions, files: Record<string, string> = {}): ts.CompilerHost {
  const host = ts.createCompilerHost(options);
  // As tsc parses: JSDoc only where it carries types (JavaScript files), not the comments of every declaration file.
  host.jsDocParsingMode = ts.JSDocParsingMode.ParseForTypeErrors;
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersionOrOptions, ...rest) => {
    if (fileName in files) return ts.createSourceFile(fileName, files[fileName], languageVersionOrOptions, true);
    const settings = typeof languageVersionOrOptions === 'object' ? languageVersionOrOptions : { languageVersion: languageVersionOrOptions };
    const key = `${settings.languageVersion}|${settings.impliedNodeFormat ?? ''}|${fileName}`;
    if (!parsed.has(key)) parsed.set(key, read(fileName, languageVersionOrOptions, ...rest));
    return parsed.get(key);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => fileName in files || fileExists(fileName);
  return host;
}

/** The diagnostics of a program, one line each: `<file>: <message>`. */
export function formatDiagnostics(diagnostics: readonly ts.Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

/**
 * Type-checks an example app with its own tsconfig: the diagnostics, one line each (none when it type-checks).
 * `example`: its directory under examples/; `expectedFile`: a file its tsconfig must include (so the check is not empty).
 */
export function exampleDiagnostics(example: string, expectedFile: string): string[] {
  const configFile = path.join(__dirname, '..', '..', 'examples', example, 'tsconfig.json');
  const { config, error } = ts.readConfigFile(configFile, ts.sys.readFile);
  if (error) return [ts.flattenDiagnosticMessageText(error.messageText, '\n')];
  const { fileNames, options } = ts.parseJsonConfigFileContent(config, ts.sys, path.dirname(configFile));
  if (!fileNames.some((f) => f.endsWith(expectedFile))) return [`${configFile} does not include ${expectedFile}`];
  return formatDiagnostics(diagnosticsOf(ts.createProgram(fileNames, options, sharedCompilerHost(options)), fileNames));
}

/**
 * The diagnostics of `files` in `program`, and the program's own (options, globals): what tsc reports for them.
 * The files they import (the package's sources, their packages) are checked only as far as these files use them;
 * the sources' own type errors are the compile's to report.
 */
export function diagnosticsOf(program: ts.Program, files: readonly string[]): ts.Diagnostic[] {
  const sources = files.map((f) => program.getSourceFile(f)).filter((f): f is ts.SourceFile => f !== undefined);
  return [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...sources.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)]),
  ];
}
