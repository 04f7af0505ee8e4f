"""The paper's studies, one module each: runs() lists the study's runs, report(runs, out)
writes its CSV, Markdown table and plots (see ../run.py)."""
