def franceconnect(request) -> dict:
    from guichet.accounts.franceconnect import enabled

    return {"FRANCECONNECT_ENABLED": enabled()}
