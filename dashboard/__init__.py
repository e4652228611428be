"""UI helpers shared by the pages: page skeleton, chart builders, sidebar and session state.

Pages arrange; these modules build. ``charts`` is pure (data in, Altair chart out,
no ``st.`` calls) so it can be tested without a server.
"""
