"""Puts libdomainsig inside the package and tags the wheel ``py3-none-<platform>``.

The package talks to the library through ctypes, so the wheel depends on the platform but on no
CPython ABI. The library comes from one of two places:

* ``DOMAINSIG_PREBUILT_LIB=/path/to/libdomainsig.so`` (what ``scripts/dist.sh`` sets): copied in as
  ``domainsig/_native.so`` (the name the source build gives it, less the CPython tag), nothing is
  compiled;
* otherwise the Rust crate, built with setuptools-rust as a plain C library: ``rust/`` inside an
  sdist, or the repository two folders up.
"""

import os
import shutil

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel  # type: ignore[no-redef]

HERE = os.path.dirname(os.path.abspath(__file__))
PREBUILT = os.environ.get("DOMAINSIG_PREBUILT_LIB")


class PlatformWheel(bdist_wheel):
    """ctypes needs no Python ABI: any Python 3 on this platform."""

    def finalize_options(self) -> None:
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):  # type: ignore[no-untyped-def]
        _, _, plat = super().get_tag()
        return "py3", "none", plat


class BuildWithPrebuilt(build_py):
    def run(self) -> None:
        super().run()
        dest = os.path.join(self.build_lib, "domainsig", "_native.so")
        shutil.copyfile(PREBUILT, dest)
        os.chmod(dest, 0o755)


class BinaryDistribution(Distribution):
    def has_ext_modules(self) -> bool:
        return True


def crate_manifest() -> str:
    for candidate in ("rust/Cargo.toml", "../../Cargo.toml"):
        if os.path.exists(os.path.join(HERE, candidate)):
            return candidate
    raise SystemExit("domainsig: the Rust crate (rust/Cargo.toml) is missing; set DOMAINSIG_PREBUILT_LIB")


if PREBUILT:
    setup(distclass=BinaryDistribution, cmdclass={"bdist_wheel": PlatformWheel, "build_py": BuildWithPrebuilt})
else:
    from setuptools_rust import Binding, RustExtension

    setup(
        cmdclass={"bdist_wheel": PlatformWheel},
        rust_extensions=[RustExtension("domainsig._native", path=crate_manifest(), binding=Binding.NoBinding)],
    )
