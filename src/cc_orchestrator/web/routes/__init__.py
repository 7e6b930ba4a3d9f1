"""The API's routes, one router per resource; web/app.py assembles them."""
