"""The lecture's own equations for its seven models, transcribed verbatim from the seed file
(../shared/seed/000_d8b5e92b5fc50a7a.txt) with their line numbers; test_equations.py compares mlmgen's output
with them term by term (and checks each transcription against the seed file when it is present).

Where the lecture writes them:
* 2b: lines 202-206; 2c: lines 427-431; 4d: lines 706-710; 4e: lines 743-747; 5a: lines 890-894.
* 4a: level 1 and beta_0c at lines 539-541, beta_1c = gamma_10 ("No random slope!") at line 482 and
  beta_2c = U_2c ("No fixed slope!") at line 484; its composite at line 582.
* 5b (cluster-MC intra-variable): the lecture does not write its equations out; line 1004 gives its level-1
  term ("CMC: beta_1c(Verbal_pc - mean(Verbal)_c)").
* The lecture's numbering of level-2 predictors keeps gamma_01 for HW (homework - 2) in the models it dropped
  hw2 from (line 463: "a simplified version ... without the 3 nonsignificant slopes (gamma_01, gamma_11 and
  gamma_13)"), so its 4x/5x models start at gamma_02; the tests compare level-2 indices up to that renumbering.
* Random effects: G for intercept + one slope at line 1214 (tau_U0^2, tau_U01, tau_U1^2); the hybrid models'
  U_2c with variance tau_U2^2 and covariance tau_U02 at line 588.
"""

LECTURE = {
    "2b_cluster_mc_random_slope": {
        "level1": [
            (202, '**Level-1:**  $Lang_{pc} = \\beta_{0c} + \\beta_{1c}(Verbal_{pc} - \\overline{Verbal}_c) + e_{pc}$'),
        ],
        "level2": [
            (204, '**Level-2:**  $\\beta_{0c} = \\gamma_{00} + \\gamma_{01}(HW_c - 2) + \\gamma_{02}(MixGrd_c) + \\gamma_{03}(\\overline{Verbal}_c - 10) + U_{0c}$'),
            (206, '$\\beta_{1c} = \\gamma_{10} + U_{1c}$'),
        ],
    },
    "2c_cross_level_interactions": {
        "level1": [
            (427, 'Level-1:  $Lang_{pc} = \\beta_{0c} + \\beta_{1c}(Verbal_{pc} - \\overline{Verbal}_c) + e_{pc}$'),
        ],
        "level2": [
            (429, 'Level-2:  $\\beta_{0c} = \\gamma_{00} + \\gamma_{01}(HW_c - 2) + \\gamma_{02}(MixGrd_c) + \\gamma_{03}(\\overline{Verbal}_c - 10) + U_{0c}$'),
            (431, '$\\beta_{1c} = \\gamma_{10} + \\gamma_{11}(HW_c - 2) + \\gamma_{12}(MixGrd_c) + \\gamma_{13}(\\overline{Verbal}_c - 10) + U_{1c}$'),
        ],
    },
    "4a_hybrid_fixed_main_effects": {
        "level1": [
            (539, '$$\\text{L1: } Lang_{pc} = \\beta_{0c} + \\beta_{1c}(Verbal_{pc} - 10) + \\beta_{2c}(Verbal_{pc} - \\overline{Verbal}_c) + e_{pc}$$'),
        ],
        "level2": [
            (541, '$$\\text{L2: } \\beta_{0c} = \\gamma_{00} + \\gamma_{02}(MixGrd_c) + \\gamma_{03}(\\overline{Verbal}_c - 10) + U_{0c}$$'),
            (482, '$$\\beta_{1c} = \\gamma_{10} \\rightarrow \\text{No random slope!}$$'),
            (484, '$$\\beta_{2c} = U_{2c} \\rightarrow \\text{No fixed slope!}$$'),
        ],
        "composite": [
            (582, '**Composite:**  $Lang_{pc} = \\gamma_{00} + \\gamma_{02}(MixGrd_c) + \\gamma_{03}(\\overline{Verbal}_c - 10) + \\gamma_{10}(Verbal_{pc} - 10) + U_{0c} + U_{2c}(Verbal_{pc} - \\overline{Verbal}_c) + e_{pc}$'),
        ],
    },
    "4d_hybrid_unsmushed_cross_level": {
        "level1": [
            (706, '$$\\text{L1: } Lang_{pc} = \\beta_{0c} + \\beta_{1c}(Verbal_{pc} - 10) + \\beta_{2c}(Verbal_{pc} - \\overline{Verbal}_c) + e_{pc}$$'),
        ],
        "level2": [
            (708, '$$\\text{L2: } \\beta_{0c} = \\gamma_{00} + \\gamma_{02}(MixGrd_c) + \\gamma_{03}(\\overline{Verbal}_c - 10) + \\gamma_{04}(MixGrd_c)(\\overline{Verbal}_c - 10) + U_{0c}$$'),
            (710, '$$\\beta_{1c} = \\gamma_{10} + \\gamma_{12}(MixGrd_c); \\beta_{2c} = U_{2c}$$'),
        ],
    },
    "4e_cluster_mc_unsmushed_cross_level": {
        "level1": [
            (743, '$$\\text{L1: } \\text{Lang}_{pc} = \\beta_{0c} + \\beta_{1c}(\\text{Verbal}_{pc} - \\overline{\\text{Verbal}}_c) + e_{pc}$$'),
        ],
        "level2": [
            (745, '$$\\text{L2: } \\beta_{0c} = \\gamma_{00} + \\gamma_{02}(\\text{MixGrd}_c) + \\gamma_{03}(\\overline{\\text{Verbal}}_c - 10) \\\\ + \\gamma_{04}(\\text{MixGrd}_c)(\\overline{\\text{Verbal}}_c - 10) + U_{0c}$$'),
            (747, '$$\\beta_{1c} = \\gamma_{10} + \\gamma_{12}(\\text{MixGrd}_c) + U_{1c}$$'),
        ],
    },
    "5a_hybrid_intra_variable": {
        "level1": [
            (890, '$$\\mathbf{L1:} \\quad Lang_{pc} = \\beta_{0c} + \\beta_{1c}(Verbal_{pc} - 10) + \\beta_{2c}(Verbal_{pc} - \\overline{Verbal}_c) + e_{pc}$$'),
        ],
        "level2": [
            (892, '$$\\mathbf{L2:} \\quad \\beta_{0c} = \\gamma_{00} + \\gamma_{02}(MixGrd_c) + \\gamma_{03}(\\overline{Verbal}_c - 10) \\\\ + \\gamma_{04}(MixGrd_c)(\\overline{Verbal}_c - 10) \\\\ + \\gamma_{05}(\\overline{Verbal}_c - 10)(\\overline{Verbal}_c - 10) + U_{0c}$$'),
            (894, '$$\\beta_{1c} = \\gamma_{10} + \\gamma_{12}(MixGrd_c) + \\gamma_{13}(\\overline{Verbal}_c - 10); \\beta_{2c} = U_{2c}$$'),
        ],
    },
    "5b_cluster_mc_intra_variable": {
        "level1_terms": [
            (1004, 'CMC:  $\\beta_{1c}(Verbal_{pc} - \\overline{Verbal}_c)$'),
        ],
    },
}

G_MATRIX_LINE = 1214
G_MATRIX = r"\begin{bmatrix} \tau_{U_0}^2 & \tau_{U_{01}} \\ \tau_{U_{01}} & \tau_{U_1}^2 \end{bmatrix}"
HYBRID_RANDOM_LINE = 588
HYBRID_RANDOM = '- $U_{2c}$  = **level-2 random slope** → deviation of **L1 within** verbal slope for school  $c$  from  $\\gamma_{10}$ , its average slope across all schools (with variance =  $\\tau_{U_2}^2$  and  $U_{0c}$  covariance =  $\\tau_{U_02}$ )'
