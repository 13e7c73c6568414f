import { withCargoDependency, withPythonDependency, withPythonLibraryInDockerfile } from './manifest-edits';

describe('withPythonDependency', () => {
  it('adds the dependency and its uv source once, to an empty list or an existing sources table', () => {
    const once = withPythonDependency('[project]\ndependencies = []\n', 'lib-a', '../../libs/lib-a');
    expect(once).toBe('[project]\ndependencies = [\n  "lib-a",\n]\n\n[tool.uv.sources]\nlib-a = { path = "../../libs/lib-a", editable = true }\n');
    expect(withPythonDependency(once, 'lib-a', '../../libs/lib-a')).toBe(once);
    const withSources = withPythonDependency('dependencies = ["x==1"]\n\n[tool.uv.sources]\nother = { path = "o" }\n', 'lib-b', 'p');
    expect(withSources).toContain('[tool.uv.sources]\nlib-b = { path = "p", editable = true }\nother = { path = "o" }');
    expect(() => withPythonDependency('[project]\nname = "x"\n', 'a', 'b')).toThrow('no [project] dependencies');
  });
});

describe('withCargoDependency', () => {
  it('adds a path dependency once, creating [dependencies] when needed', () => {
    expect(withCargoDependency('[package]\nname = "a"\n', 'fee-model', '../f')).toBe(
      '[package]\nname = "a"\n\n[dependencies]\nfee-model = { path = "../f" }\n',
    );
    const text = '[dependencies]\nfee-model = { path = "../f" }\n';
    expect(withCargoDependency(text, 'fee-model', '../f')).toBe(text);
  });
});

describe('withPythonLibraryInDockerfile', () => {
  it('leaves a hand-written Dockerfile to its owner', () => {
    expect(withPythonLibraryInDockerfile('FROM x\n', { projectRoot: 'apps/a', pkg: 'a' }, { name: 'l', projectRoot: 'libs/l', pkg: 'l' })).toBeNull();
  });
});
