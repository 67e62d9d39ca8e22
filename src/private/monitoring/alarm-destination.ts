/**
 * Alarms that nobody hears: the integration's alarms notify one SNS topic, and a topic without a subscription
 * delivers nothing. Checked when the app synthesizes (`node.addValidation`, which runs after the whole app is
 * built), so a subscription added to `alarmTopic` after the integration, in any stack, counts.
 */
import { Resource, Stack } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import { warn } from '../errors';

export const ALARMS_WITHOUT_DESTINATION = '@babes/stripe-eventbridge:alarmsWithoutDestination';

/**
 * Warns (acknowledgeably) at synth when `topic` is a topic of this app that nothing in the app subscribes to:
 * no SNS subscription (email, SQS, Lambda, HTTPS, …) and no AWS Chatbot channel lists it. An imported topic
 * (`Topic.fromTopicArn`) is subscribed outside the app, so it is not checked.
 */
export function warnUnlessAlarmsHaveDestination(integration: Construct, warnOn: Construct, topic: sns.ITopic, givenTopic: boolean): void {
  if (!Resource.isOwnedResource(topic)) return;
  integration.node.addValidation({
    validate: () => {
      if (!hasDestination(integration.node.root, topic)) {
        // On a child of the integration: CDK's acknowledgements cover the children of the acknowledged construct.
        warn(warnOn, ALARMS_WITHOUT_DESTINATION, message(integration, topic, givenTopic));
      }
      return [];
    },
  });
}

function hasDestination(root: IConstruct, topic: sns.ITopic): boolean {
  const arn = JSON.stringify(Stack.of(topic).resolve(topic.topicArn));
  // The same token (an L2 subscription, in any stack), or the same reference once resolved (an L1 in the topic's stack).
  const same = (scope: IConstruct, value: unknown): boolean =>
    value === topic.topicArn || (Stack.of(scope) === Stack.of(topic) && JSON.stringify(Stack.of(scope).resolve(value)) === arn);
  for (const c of root.node.findAll()) {
    if (c instanceof sns.CfnSubscription && same(c, c.topicArn)) return true;
    if (c instanceof chatbot.CfnSlackChannelConfiguration || c instanceof chatbot.CfnMicrosoftTeamsChannelConfiguration) {
      const arns: unknown = Stack.of(c).resolve(c.snsTopicArns);
      if (Array.isArray(arns) && arns.some((a) => JSON.stringify(a) === arn)) return true;
    }
  }
  return false;
}

/**
 * The warning's text. How to acknowledge it is CDK's to say, once: aws-cdk-lib adds `[ack: <id>]`, and the CDK CLI
 * prints "Acknowledge with 'Annotation::<id>'" in its place (2.1148), so the message only says when and where.
 */
function message(integration: Construct, topic: sns.ITopic, givenTopic: boolean): string {
  const subscribe = givenTopic
    ? 'or subscribe to the topic given as alarms.topic'
    : 'or subscribe to the integration\'s alarmTopic (alarmTopic.addSubscription(…), or an AWS Chatbot channel\'s notificationTopics)';
  return (
    `Alarms notify the SNS topic ${topic.node.path}, which nothing in this app subscribes to, so no one hears them. ` +
      `Add a destination: set alarms.emailAddresses, ${subscribe}. If the topic is subscribed outside this app, ` +
      `acknowledge this warning on the integration (${integration.node.path}).`
  );
}
