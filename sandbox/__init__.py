"""Reference implementation of the city's department APIs, serving demo_city.json."""
