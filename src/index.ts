export * from './stripe-event-bus';
export * from './stripe-event-handler';
export * from './stripe-event-route';
export * from './stripe-eventbridge-integration';
export * from './stripe-event-destination';
export * from './monitoring-options';
export * from './route-placement';
export * from './event-pattern/event-pattern-tester';
