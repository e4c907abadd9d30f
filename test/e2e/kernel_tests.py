"""Jupyter's own conformance suite (jupyter_kernel_test, Debian) against the installed tensorbook kernelspec.

Run by test/e2e/jupyter.test.ts with JUPYTER_PATH pointing at a temporary prefix that holds the kernelspec
(named by TENSORBOOK_KERNEL_NAME), so the user's Jupyter config is never touched.
"""
import os
import unittest

import jupyter_kernel_test


class TensorbookKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = os.environ.get("TENSORBOOK_KERNEL_NAME", "tensorbook")
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("oops")'
    code_generate_error = 'throw new Error("boom")'
    code_execute_result = [
        {"code": "6*7", "result": "42"},
        {"code": "[1, 2].length", "result": "2"},
    ]
    code_display_data = [
        {"code": 'display.html("<b>hi</b>")', "mime": "text/html"},
        {"code": 'display.markdown("# hi")', "mime": "text/markdown"},
    ]
    code_clear_output = "clearOutput()"
    # matches "6*7" above (sqlite GLOB, as IPython's history search)
    code_history_pattern = "6?7"
    supported_history_operations = ("tail", "range", "search")

    completion_samples = [{"text": "Math.flo", "matches": {"floor"}}]
    code_inspect_sample = "Math.floor"
    complete_code_samples = ["1", "const x = 1;", "function f() {\n  return 1;\n}"]
    incomplete_code_samples = ["function f() {", "const xs = [1,", "if (x) {"]
    invalid_code_samples = ["}", "const = 1;"]
    # code_page_something: tensorbook has no pager payloads (help shows through inspect_request).


if __name__ == "__main__":
    unittest.main()
