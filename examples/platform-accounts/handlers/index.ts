/** The platform's thin event handlers, bundled into one asset; each function names its export. */
export { accountChanged } from './accounts';
export { requirementsChanged } from './requirements';
