// Starts Swagger UI on /api/docs. A file of its own, so that the page needs no inline
// script and its CSP allows scripts from this origin only. The page's #swagger-ui element
// names the document to show (data-openapi-url).
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    // "Authorize" once with an access token: it applies to every service's operations
    // (one `bearer` scheme) and is kept across reloads of this page.
    persistAuthorization: true,
    displayRequestDuration: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    layout: "BaseLayout",
  });
});
