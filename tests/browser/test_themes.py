

def test_installation_view_shows_what_a_theme_shopper_produced(site: Site) -> None:
    """Item 6: the store owner's Installation view lists, per page type, the signals and the
    detectors a real shopper on an unchanged theme produced, and what to add for the rest."""
    theme = THEMES["oscar"]
    trust = next(s for s in SHOPPERS["oscar"] if s.name == "trust")
    with chromium() as browser:
        result = run_shopper(browser, site, theme, trust)
        context = browser.new_context()
        page = context.new_page()
        page.goto(site.api.url + "/dashboard")
        page.fill("#secret", SECRET_KEY)
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#installation tr[data-page-type=product]", timeout=15000)
        rows = {
            row.get_attribute("data-page-type"): row.inner_text()
            for row in page.locator("#installation tr[data-page-type]").all()
        }
        context.close()
    assert result.error is None, result.error
    product = rows["product"]
    for signal in result.fired:  # what this shopper made the tag send on the product page
        if signal in ("review_view", "cart_add"):
            assert signal in product, rows
    # Oscar has no returns information: the view says what to add, as an attribute
    assert 'data-cartcoach="return-policy"' in product, rows
