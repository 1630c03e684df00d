"""What every exported domain package runs on: messages, aggregates, buses,
policies, read models and the integration between contexts, over the event
store in `../eventstore`. Generated: rewritten by every export."""
