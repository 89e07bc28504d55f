"""Sweeps started from a script: with or without ``if __name__ == "__main__":`` they either run
or stop at once saying what to add, and never hang or leave files behind."""
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = Path(__file__).parent / "sweeps" / "teacup-sweep.yaml"
BOUND = 240         # seconds: a hung script fails the test instead of hanging the suite


def run_script(tmp_path, body):
    script = tmp_path / "study.py"
    script.write_text(textwrap.dedent(body))
    return subprocess.run([sys.executable, str(script), str(SPEC), str(tmp_path / "out.h5")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=BOUND,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "CARBONLOOP_BACKEND": "numpy"})


def test_a_script_without_the_guard_sweeps_with_worker_processes(tmp_path):
    done = run_script(tmp_path, """
        import sys
        import engine
        s = engine.sweep(sys.argv[1], output=sys.argv[2], workers=2, progress=False, memory_mb=1)
        print("runs", len(s.metrics()))
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "runs 2000"      # once: the workers did not run the script again
    assert (tmp_path / "out.h5").exists() and not (tmp_path / "out.h5.partial").exists()


def test_a_script_without_the_guard_is_told_what_to_add_before_a_dask_cluster_starts(tmp_path):
    done = run_script(tmp_path, """
        import sys
        import engine
        engine.sweep(sys.argv[1], output=sys.argv[2], dask=True, progress=False)
    """)
    assert done.returncode == 1
    assert 'if __name__ == "__main__":' in done.stderr and "study.py:4" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["study.py"]


GUARDS = [
    ("engine_call()", False),
    ("if __name__ == '__main__':\n    engine_call()", True),
    ("if '__main__' == __name__:\n    x = 1\n    engine_call()", True),
    ("def main():\n    engine_call()\n\nmain()", False),
    ("def main():\n    engine_call()\n\nif __name__ == '__main__':\n    main()", True),
    ("try:\n    if __name__ == '__main__':\n        engine_call()\nfinally:\n    pass", True),
    ("import sys\nif len(sys.argv) > 99:\n    pass\nelse:\n    engine_call()", False),
    ("with open(__file__):\n    if __name__ == '__main__':\n        engine_call()", True),
]
# each script is run as __main__ (as 'python script.py' would), all in one process
RUN_AS_MAIN = """
import runpy, sys
for path in sys.argv[1:]:
    runpy.run_path(path, run_name="__main__")
"""


def test_the_guard_is_found_where_the_script_calls(tmp_path):
    paths = []
    for i, (body, _) in enumerate(GUARDS):
        p = tmp_path / f"script{i}.py"
        p.write_text("from engine.sweeps.mainguard import unguarded_caller\n"
                     "def engine_call():\n    print(unguarded_caller())\n" + body + "\n")
        paths.append(str(p))
    done = subprocess.run([sys.executable, "-c", RUN_AS_MAIN, *paths], capture_output=True, text=True,
                          timeout=BOUND, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    found = done.stdout.strip().splitlines()
    assert [line == "None" for line in found] == [guarded for _, guarded in GUARDS], found
