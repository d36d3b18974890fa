"""Which features can be trusted: perturbed versions of each case (:mod:`radcore.robustness.perturb`) and
the intraclass correlation of every feature across them (:mod:`radcore.robustness.icc`,
:mod:`radcore.robustness.study`)."""
