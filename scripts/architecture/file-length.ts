/** File length: a file that grows past WARN_LINES is worth a look, past MAX_LINES it must be split along its jobs. */
import * as fs from 'node:fs';
import { rel } from './source-files';

export const WARN_LINES = 400;
export const MAX_LINES = 500;

export interface LengthReport {
  readonly problems: string[];
  readonly warnings: string[];
}

/** Hand-written files only: generated ones (`*.generated.*`) are exempt. */
export function checkFileLengths(files: readonly string[]): LengthReport {
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const file of files) {
    if (file.includes('.generated.')) continue;
    const text = fs.readFileSync(file, 'utf8');
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    if (lines > MAX_LINES) {
      problems.push(`${rel(file)}: ${lines} lines, above ${MAX_LINES}: split it along the jobs it does`);
    } else if (lines > WARN_LINES) {
      warnings.push(`${rel(file)}: ${lines} lines, above ${WARN_LINES}: is it doing more than one job?`);
    }
  }
  return { problems, warnings };
}
