import subprocess
import sys


def test_import_loads_no_native_code():
    # The < 20 ms import budget is met by loading nothing heavy at import time; this checks that
    # (timings are measured by scripts/test-python.sh, never asserted).
    code = (
        "import sys, domainsig\n"
        "assert 'ctypes' not in sys.modules, 'ctypes imported eagerly'\n"
        "assert 'domainsig._ffi' not in sys.modules, 'native library loaded eagerly'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_package_ships_types_and_its_library():
    import pathlib

    import domainsig

    here = pathlib.Path(domainsig.__file__).parent
    assert (here / "py.typed").is_file()
    assert list(here.glob("_native*")), "the native library is installed inside the package"
