/* Sejahtera — the verification form's helpers. The form works without them: coordinates can be
   typed, and the correction fields are always there. Loaded only on that page. */
(function () {
  "use strict";

  // "Fill from GPS": the phone's position into the latitude and longitude fields. The button
  // stays hidden where the browser has no geolocation (or no script runs).
  var button = document.getElementById("gps-fill");
  if (button && navigator.geolocation) {
    var lat = document.getElementById(button.getAttribute("data-lat"));
    var lon = document.getElementById(button.getAttribute("data-lon"));
    var status = document.getElementById(button.getAttribute("data-status"));
    var say = function (text) { if (status) { status.textContent = text; } };
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      say(button.getAttribute("data-wait"));
      navigator.geolocation.getCurrentPosition(
        function (pos) {
          lat.value = pos.coords.latitude.toFixed(6);
          lon.value = pos.coords.longitude.toFixed(6);
          say(button.getAttribute("data-done").replace("%s", Math.round(pos.coords.accuracy)));
          button.disabled = false;
        },
        function () {
          say(button.getAttribute("data-fail"));
          button.disabled = false;
        },
        { enableHighAccuracy: true, timeout: 30000, maximumAge: 60000 }
      );
    });
  }

  // The correction fields only matter for the result "corrected": fold them away otherwise.
  var corrections = document.getElementById("corrections");
  if (corrections) {
    var name = corrections.getAttribute("data-result-field");
    var sync = function () {
      var chosen = document.querySelector("input[name='" + name + "']:checked");
      corrections.hidden = !(chosen && chosen.value === "CORRECTED");
    };
    document.addEventListener("change", function (e) {
      if (e.target && e.target.name === name) { sync(); }
    });
    sync();
  }
})();
