"""The ROI estimator: who is compared (`cohort`), how (`estimator`), the recorded run (`service`), and
synthetic data with a planted effect to validate it (`simulate`). `estimator` and `simulate` need no
Django, so bench/roi.py runs them on their own."""
