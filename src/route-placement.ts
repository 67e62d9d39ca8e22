/**
 * Where an integration puts its routes (one function, role, log group, rule and permission each, about 7
 * CloudFormation resources).
 */
export enum StripeRoutePlacement {
  /**
   * Up to 25 handlers, in the integration's own stack (the layout of every earlier release, so logical ids do
   * not change); above that, in nested stacks, as NESTED_STACKS.
   */
  AUTO = 'AUTO',
  /**
   * Always in the integration's own stack. A stack holds at most 500 resources: `cdk synth` fails with a message
   * that names the count when the routes do not fit.
   */
  SAME_STACK = 'SAME_STACK',
  /**
   * Always in nested stacks of the integration's stack, deployed by the same `cdk deploy`: 16 at most, each
   * route in the one its handler name hashes to, so adding or removing a handler never moves another.
   */
  NESTED_STACKS = 'NESTED_STACKS',
}
