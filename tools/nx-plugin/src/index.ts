export { createNodes } from './plugins/inference';
