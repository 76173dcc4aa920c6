* (4e) Cluster-MC with unsmushed cross-level interaction
* Data preparation: derived variables (means over non-missing values)
* Temporary variables (_mlm<tag>_m<n>) carry a tag computed from this model, so they cannot clash with a column of your data; they are dropped at the end
capture drop CMverb10
capture drop WCverb
capture drop _mlmcc7a_m1
egen double _mlmcc7a_m1 = mean(verbal), by(schoolID)
generate double CMverb10 = _mlmcc7a_m1 - 10
generate double WCverb = verbal - _mlmcc7a_m1
drop _mlmcc7a_m1
mixed langpost c.mixgrd c.CMverb10 c.WCverb c.mixgrd#c.WCverb c.mixgrd#c.CMverb10, || schoolID: WCverb, ///
  covariance(un) reml dfmethod(satterthwaite) dftable(pvalue) nolog
estat recovariance, relevel(schoolID) correlation // Random effect correlations
