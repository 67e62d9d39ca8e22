/** A synthesized CloudWatch dashboard, read as the console gets it. */
import { metricsOnDashboard } from '../../src/cli/cost/fixed-cost';

/**
 * `body`: a dashboard's DashboardBody as the template holds it (a string, or an Fn::Join when it refers to resources).
 * Returns the body as JSON text, the parsed dashboard (each reference read as REF), its widget titles and its metric count.
 */
export function readDashboard(body: unknown) {
  const joined = body as string | { 'Fn::Join': [string, unknown[]] };
  const json = JSON.parse(typeof joined === 'string' ? joined : joined['Fn::Join'][1].map((p: unknown) => (typeof p === 'string' ? p : 'REF')).join(''));
  const titles: string[] = json.widgets.map((w: any) => w.properties.title).filter((t: unknown) => t !== undefined);
  return { body: JSON.stringify(body), json, titles, metrics: metricsOnDashboard(body) };
}
