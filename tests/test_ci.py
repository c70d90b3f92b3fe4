"""CI runs exactly the README's test command."""

import re

from tests.conftest import REPO


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.+?)\n```", readme)
    install_and_run, test_command = blocks[0], blocks[1]
    assert "kb import" in install_and_run and install_and_run.rstrip().endswith("&& kb")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()
