/**
 * @goosuke/model-gateway: Goosuke's ModelGateway, a loopback reverse proxy between coding agents
 * and model providers. Each run gets its own endpoint and token; the gateway sets the run's
 * model, forwards with the real key (which the agent never sees), streams replies back
 * unchanged and meters usage and cost against the run's limits.
 */
export { type ModelGatewayOptions, modelGatewayDefaults } from './gateway-options.ts';
export { createModelGateway } from './model-gateway.ts';
