"""Only the package list lives here (metadata is in pyproject.toml): the mlmgen packages plus the top-level
templates/ and examples/ folders shipped as mlmgen._templates and mlmgen._examples."""
from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["mlmgen", "mlmgen.*"]) + ["mlmgen._templates", "mlmgen._examples"],
    package_dir={"mlmgen._templates": "templates", "mlmgen._examples": "examples"},
)
