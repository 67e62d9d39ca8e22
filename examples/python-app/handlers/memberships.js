// One function for every customer.subscription.* event and for invoice.payment_failed.
exports.handler = async (event) => {
  const stripeEvent = event.detail;
  const object = stripeEvent.data.object;
  const subscription = stripeEvent.type.startsWith('customer.subscription.') ? object.id : object.subscription;
  // ... update the membership of subscription ...
  return { subscription, event: stripeEvent.type };
};
