"""Loads a Python command installed without .py (veerctl, veer-exporter) as a module.

Shared by test_veerctl.py and test_veer_exporter.py.
"""

import importlib.machinery
import importlib.util


def load_script(name, path):
    loader = importlib.machinery.SourceFileLoader(name, path)
    spec = importlib.util.spec_from_loader(name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module
