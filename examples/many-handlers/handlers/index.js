// One business handler for every event type of the many-handlers example: it returns what it would record.
exports.handler = async (event) => ({ stripeEventId: event.detail.id, type: event.detail.type });
