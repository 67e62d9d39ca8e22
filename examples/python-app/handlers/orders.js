// Business logic only. The integration's wrapper has already validated the EventBridge event and runs this
// at most once per Stripe event id; what it returns is stored and returned again for duplicates.
exports.handler = async (event) => {
  const session = event.detail.data.object; // detail is the Stripe event
  // ... record the order for session.id ...
  return { order: session.id };
};
