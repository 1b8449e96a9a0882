"""The monitoring stage (and ``mltoolkit drift``) loads only what comparing two tables needs."""
from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
import mltoolkit.stages.monitoring
loaded = sorted(m for m in ("mltoolkit.deploy.ab_test", "mltoolkit.deploy.batch", "mltoolkit.deploy.package",
                            "mltoolkit.deploy.row_path", "sklearn.impute") if m in sys.modules)
print(",".join(loaded))
"""


def test_monitoring_stage_does_not_import_deployment_modules():
    # A new interpreter: this test session has imported everything already.
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


def test_deploy_names_are_imported_on_first_use():
    from mltoolkit import deploy

    for name in deploy.__all__:
        assert getattr(deploy, name) is not None
    assert set(deploy.__all__) <= set(dir(deploy))
