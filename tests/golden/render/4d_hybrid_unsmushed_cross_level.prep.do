* (4d) Hybrid with unsmushed cross-level interaction
* Data preparation: derived variables (means over non-missing values)
* Temporary variables (_mlm<tag>_m<n>) carry a tag computed from this model, so they cannot clash with a column of your data; they are dropped at the end
capture drop CMverb10
capture drop verb10
capture drop WCverb
capture drop _mlm811b_m1
egen double _mlm811b_m1 = mean(verbal), by(schoolID)
generate double CMverb10 = _mlm811b_m1 - 10
generate double verb10 = verbal - 10
generate double WCverb = verbal - _mlm811b_m1
drop _mlm811b_m1
mixed langpost c.mixgrd c.CMverb10 c.verb10 c.mixgrd#c.verb10 c.mixgrd#c.CMverb10, || schoolID: WCverb, ///
  covariance(un) reml dfmethod(satterthwaite) dftable(pvalue) nolog
estat recovariance, relevel(schoolID) correlation // Random effect correlations
