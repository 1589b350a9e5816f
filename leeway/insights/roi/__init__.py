"""The ROI estimator: who is compared (`cohort`), how (`estimator`), the recorded run (`service`), and
synthetic data with a planted effect to validate it (`simulate`)."""

from leeway.insights.roi.service import latest_estimate, roi_estimate_compute

__all__ = ["latest_estimate", "roi_estimate_compute"]
