*school size and competition
	xtmixed s_sizelog hs_herf hs_density hs_sistud  hs_GPA i.edu_trac hs_forbac hs_edupar minclog crime hs_ctea hs_sctea   i.year i.municipality if year>1998 & in_group!=1, || municipality:, || school_id:, ml var nolog
