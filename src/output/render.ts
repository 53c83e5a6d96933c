/** The one output layer: result object → table, JSON or YAML text, with every command's tables. */
import { renderer } from './renderer.js';
import { TABLES } from './tables/index.js';

export { toYaml } from './renderer.js';

export const render = renderer(TABLES);
