export { createNodes } from './plugins/coverage-inference';
