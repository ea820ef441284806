export { runCli } from './cli/cli.js';
export { type Config, ConfigError, loadConfig } from './config/config.js';
export { buildApp } from './http/app.js';
export { createLogger } from './platform/logger.js';
export { hashPassword, verifyPassword } from './platform/password-hash.js';
export { bootstrap, createServices, prepareStorage, type Services } from './services.js';
