"""nnplay home page."""

import streamlit as st

st.set_page_config(page_title="nnplay", page_icon="🧠")
st.title("nnplay")
st.write("A neural-network playground over a pure-NumPy engine. The pages are being built.")
