"""North Star Lab: the router. Navigation, the shared data-source sidebar, then the page."""

import streamlit as st

from components import cached, nav, sidebar, state

st.set_page_config(page_title="North Star Lab", page_icon=":material/star:", layout="wide")

page = nav.navigation()
link_problem = state.restore_from_link()
if link_problem:
    st.warning(link_problem, icon=":material/link_off:")
source = sidebar.data_source()
state.keep_in_link()
sidebar.notice(source)
problem = cached.load_error(source)
if problem:
    st.error(problem, icon=":material/error:")
    if page.url_path != nav.page("data").url_path:
        st.info("Open the **Data** page to choose the format and map the columns of your file.")
        st.stop()
page.run()
