"""The server: `streamlit run serve.py` serves app.py plus the login-cookie routes (plantrack.web).

Streamlit finds the ``App`` below and runs it; app.py stays the script every visitor runs.
This is the one file besides app.py and pages/ that imports streamlit: it is the server itself.
"""

from streamlit.runtime.pages_manager import PagesManager
from streamlit.starlette import App

from plantrack.web import routes

# A pages/ folder beside app.py makes Streamlit run the first session after start-up as an old-style
# app: an unknown address then gets Streamlit's English "Page not found" and a shared link runs its
# page without app.py's frame. st.navigation in app.py decides every page, from the first visitor on
# (the same flag the Makefile's SERVE clears; here it holds however the server is started).
PagesManager.uses_pages_directory = False

app = App("app.py", routes=routes())
