"""The analysis layer: from person-level outcomes to the tidy result frames.

``samples``
    Who enters each analysis (pooled and per site), coded for the kernels.
``effects``
    Intention-to-treat effects with randomisation inference and multiple testing.
``checks``
    Balance, flow, response and attrition, Lee bounds, monthly curves, reference means.
``compliers``
    Complier (instrumental-variable) effects from declared take-up.
``scales``
    Survey scale scores and their reliability.
"""
