/**
 * Acknowledging a cdk-nag finding in the template, in cdk-nag's own metadata format (`cdk_nag` →
 * `rules_to_suppress`, read by its NagSuppressions), without a runtime dependency on cdk-nag: only where
 * AWS or aws-cdk-lib decides the finding, and always with the reason.
 */
import { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { StripeEventBridgeError } from '../contract/errors';

export interface NagAcknowledgement {
  /** The rule, e.g. `AwsSolutions-IAM5`. */
  readonly id: string;
  readonly reason: string;
  /** Only these findings of the rule (cdk-nag's `applies_to`: exact strings or `{ regex: '/…/' }`). */
  readonly appliesTo?: ReadonlyArray<string | { readonly regex: string }>;
}

/** Adds the acknowledgements to the CloudFormation resource of `scope` (or `scope` itself), keeping earlier ones. */
export function acknowledgeNagFindings(scope: IConstruct, acknowledgements: readonly NagAcknowledgement[]): void {
  const resource = scope instanceof CfnResource ? scope : scope.node.defaultChild;
  if (!(resource instanceof CfnResource)) throw new StripeEventBridgeError(`${scope.node.path} has no CloudFormation resource to acknowledge findings on`);
  const existing = (resource.getMetadata('cdk_nag') as { rules_to_suppress?: unknown[] } | undefined)?.rules_to_suppress ?? [];
  resource.addMetadata('cdk_nag', {
    rules_to_suppress: [
      ...existing,
      ...acknowledgements.map((a) => ({ id: a.id, reason: a.reason, ...(a.appliesTo ? { applies_to: a.appliesTo } : {}) })),
    ],
  });
}
