* (4d) Hybrid with unsmushed cross-level interaction
mixed langpost c.mixgrd c.CMverb10 c.verb10 c.mixgrd#c.verb10 c.mixgrd#c.CMverb10, || schoolID: WCverb, ///
  covariance(un) reml dfmethod(satterthwaite) dftable(pvalue) nolog
estat recovariance, relevel(schoolID) correlation // Random effect correlations
