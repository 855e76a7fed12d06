"""The server: `streamlit run serve.py` serves app.py plus the login-cookie routes (plantrack.web).

Streamlit finds the ``App`` below and runs it; app.py stays the script every visitor runs.
This is the one file besides app.py and pages/ that imports streamlit: it is the server itself.
"""

from streamlit.starlette import App

from plantrack.web import routes

app = App("app.py", routes=routes())
