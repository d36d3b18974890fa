"""What ``pip install radcore`` puts into site-packages: every radcore package, the flows as
``radcore_flows``, and no generic top-level package such as ``flows``."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_every_package_of_the_tree_is_installed_and_flows_is_not_a_top_level_name():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    tree = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "radcore").rglob("*.py")}
    assert listed == tree | {"radcore_flows"}
    assert config["package-dir"]["radcore_flows"] == "flows"
    assert {name.split(".")[0] for name in listed} == {"radcore", "radcore_flows"}


def test_the_flows_load_by_their_installed_name():
    import radcore_flows.cohort
    import radcore_flows.deploy

    assert Path(radcore_flows.cohort.__file__).parent == ROOT / "flows"
    assert radcore_flows.deploy.build_deployment("t").entrypoint == "radcore_flows.cohort.cohort_flow"
