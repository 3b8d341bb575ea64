"""Screens of the kb app: search (the main one), help, the nutrient browser and the first-run index build."""
