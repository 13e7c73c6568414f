// Generated from schema.json by tools/nx-plugin/scripts/schema-types.mjs: edit schema.json, then run it.

/**
 * A new library (python, rust or typescript) with tests and the coverage gate, optionally wired into a dependent project.
 */
export interface LibraryGeneratorSchema {
  /**
   * Project name: lowercase letters, digits and dashes, starting with a letter.
   */
  name: string;
  /**
   * The library's language.
   */
  language: 'python' | 'rust' | 'typescript';
  /**
   * A project of the same language that should depend on the library (its manifest gets the path dependency).
   */
  dependent?: string;
  /**
   * One sentence for the README and the package.
   */
  description?: string;
  /**
   * Folder the project goes in.
   */
  directory?: string;
  /**
   * Do not lock the library and its dependent (uv lock, Cargo.lock) after writing files.
   */
  skipInstall?: boolean;
}
