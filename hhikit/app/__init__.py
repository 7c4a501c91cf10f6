"""The web demo (Streamlit): upload or pick an example, see people, pairs and interactions."""
