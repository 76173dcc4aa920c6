* (5b) Cluster-MC with intra-variable interaction
mixed langpost c.mixgrd c.CMverb10 c.WCverb c.mixgrd#c.WCverb c.mixgrd#c.CMverb10 ///
  c.CMverb10#c.WCverb c.CMverb10#c.CMverb10, || schoolID: WCverb, ///
  covariance(un) reml dfmethod(satterthwaite) dftable(pvalue) nolog
estat recovariance, relevel(schoolID) correlation // Random effect correlations
